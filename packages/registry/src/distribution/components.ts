import type { ComponentKind } from '@packhouse/db';
import type { Origin } from '@packhouse/makefile';

/** One input of a built distribution, as recorded in Postgres and listed in the bill of materials. */
export interface Component {
  kind: ComponentKind;
  name: string;
  version: string | null;
  /** Core and projects: the Packhouse release bundled. */
  releaseId: string | null;
  /** Patches: the project they were applied to. */
  appliedTo: string | null;
  /** Where the bytes came from (a Packhouse download URL, or the library's or patch's URL). */
  sourceUrl: string;
  /** Of exactly the bytes used. */
  sha256: string;
  origin: Origin;
  /** Where it lives in the `-no-core` tree (core: in the `-core` tree's root). */
  path: string | null;
}
