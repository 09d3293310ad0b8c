import { describe, expect, it } from '@jest/globals';

import { defaultDataDir } from '../../../lib/cli/context.ts';

describe('the default data directory', () => {
  it('is one per user, whatever the current directory: XDG state, else ~/.local/state', () => {
    expect(defaultDataDir({ HOME: '/home/sre' })).toBe('/home/sre/.local/state/kubemend');
    expect(defaultDataDir({ HOME: '/home/sre', XDG_STATE_HOME: '/srv/state' })).toBe('/srv/state/kubemend');
    // A relative XDG_STATE_HOME is invalid by the spec, and ignored.
    expect(defaultDataDir({ HOME: '/home/sre', XDG_STATE_HOME: 'state' })).toBe('/home/sre/.local/state/kubemend');
  });
});
