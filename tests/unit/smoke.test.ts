import { describe, it, expect } from '@jest/globals';
import { DatabaseSync } from 'node:sqlite';
import { CoreV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
describe('x', () => { it('y', () => { expect(typeof CoreV1Api).toBe('function'); expect(new DatabaseSync(':memory:').prepare('select 2 as a').get()).toEqual({a:2}); expect(z.string().parse('a')).toBe('a'); }); });
