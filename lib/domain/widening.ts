import * as z from 'zod';

/**
 * Which way a numeric setting lets kubemend do more: `higher` (a cap, a limit, a share) or
 * `lower` (a cooldown, a window). Registered on the config schema's fields; the review of a
 * config change (`npm run config:diff`) reads it from there, so a new setting is compared as
 * soon as it is registered.
 */
export const widening = z.registry<{ widens: 'higher' | 'lower' | 'neither' }>();
