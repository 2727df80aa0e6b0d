import { describe, expect, it } from 'vitest';
import type { Actor } from '../src/context.ts';
import { can, type ProjectAction } from '../src/permissions.ts';

const actor = (scopes: Actor['scopes'], isAdmin = false): Actor => ({
  id: '1',
  name: 'alice',
  isAdmin,
  scopes,
  tokenId: '1',
});

describe('who may do what to a project: a role there and a scope that allows it', () => {
  const actions: ProjectAction[] = ['release', 'manage', 'own'];
  it.each([
    // scopes, role, [release, manage, own]
    [['release'], 'owner', [true, false, false]],
    [['release'], 'maintainer', [true, false, false]],
    [['manage'], 'owner', [true, true, true]],
    [['manage'], 'maintainer', [true, true, false]],
    [['release', 'manage'], 'maintainer', [true, true, false]],
    [['release', 'manage'], null, [false, false, false]],
    [['admin'], null, [false, false, false]], // the admin scope alone, on a user who is no administrator
  ] as const)('scopes %j with role %s may %j', (scopes, role, allowed) => {
    expect(actions.map((action) => can(actor(scopes), role, action))).toEqual(allowed);
  });

  it('lets an administrator calling with an admin-scoped token do anything, maintainer or not', () => {
    expect(actions.every((action) => can(actor(['admin'], true), null, action))).toBe(true);
  });
});
