/** Packhouse pages: one small stylesheet, no third-party assets (a module, so bundles carry it). */
export const CSS = `:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --soft: #f6f8fa; --link: #0550ae; --ok: #1a7f37; --bad: #b42318; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
header.site { border-bottom: 1px solid var(--line); background: var(--soft); }
header.site .bar, main, footer.site { max-width: 72rem; margin: 0 auto; padding: .75rem 1rem; }
header.site .bar { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header.site .brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; color: var(--fg); }
header.site form.search { flex: 1; display: flex; gap: .5rem; min-width: 14rem; }
header.site nav { display: flex; gap: .75rem; align-items: center; }
input[type=search], input[type=text], input[type=password], input[type=url], select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 6px; width: 100%; }
button, .button { font: inherit; padding: .4rem .8rem; border: 1px solid #8c959f; border-radius: 6px; background: var(--soft); color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
.button.primary, button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
button.danger { color: var(--bad); }
h1 { font-size: 1.8rem; margin: .5rem 0; }
h2 { font-size: 1.3rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.muted { color: var(--muted); }
.grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr); gap: 2rem; }
@media (max-width: 48rem) { .grid { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
code, pre, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.hash { word-break: break-all; }
pre { background: var(--soft); padding: .75rem; overflow-x: auto; border-radius: 6px; }
.badge { display: inline-block; font-size: .8rem; padding: 0 .45rem; border-radius: 1rem; border: 1px solid currentColor; margin-right: .25rem; }
.badge.published { color: var(--ok); } .badge.insecure, .badge.failed { color: var(--bad); } .badge.unsupported, .badge.unpublished { color: var(--warn); } .badge.queued, .badge.building { color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
.downloads { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
.readme { overflow-wrap: anywhere; }
.readme img { max-width: 100%; }
.flash { border-left: 4px solid var(--ok); background: var(--soft); padding: .5rem 1rem; }
.flash.error { border-color: var(--bad); }
.secret { font-size: 1.1rem; background: #fff8c5; padding: .5rem; }
form.stack { display: grid; gap: .5rem; max-width: 32rem; }
form.inline { display: inline; }
label { font-weight: 600; }
fieldset { border: 1px solid var(--line); border-radius: 6px; }
.chart svg { width: 100%; height: auto; max-width: 40rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
footer.site { color: var(--muted); border-top: 1px solid var(--line); margin-top: 2rem; }
`;
