import { describe, expect, it } from '@jest/globals';

import { cronScheduleProblem } from '../../../../lib/audit/checks/cron-schedule.ts';

describe('cronScheduleProblem', () => {
  it.each([
    '*/5 * * * *',
    '0 3 * * mon-fri',
    '30 2 1,15 * *',
    '0-30/10 9-17 * JAN-MAR SUN',
    '0 0 * * 7',
    '@daily',
    '@HOURLY',
    'CRON_TZ=Europe/Paris 0 9 1 jan *',
    'TZ=UTC 0 9 * * *',
    '  15 4 * * *  ',
  ])('accepts the valid schedule %p', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });

  it.each([
    ['0 3 * *', 'expected 5 fields, got 4'],
    ['0 3 * * * *', 'expected 5 fields, got 6'],
    ['', 'expected 5 fields, got 1'],
    ['61 * * * *', '61 is out of range for the minute field (0–59)'],
    ['0 24 * * *', '24 is out of range for the hour field (0–23)'],
    ['0 0 0 * *', '0 is out of range for the day of month field (1–31)'],
    ['0 0 1 13 *', '13 is out of range for the month field (1–12)'],
    ['0 0 * * 8', '8 is out of range for the day of week field (0–7)'],
    ['0 3 * * funday', '"funday" is not valid in the day of week field'],
    ['0 3 * mon *', '"mon" is not valid in the month field'],
    ['*/x * * * *', 'bad step "x" in the minute field'],
    ['@reboot', 'expected 5 fields, got 1'],
  ])('says why %p is invalid', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toBe(problem);
  });

  // The CronJob controller parses `@every <duration>` too (robfig/cron), so it is valid.
  it('accepts the @every descriptor the CronJob controller accepts', () => {
    expect(cronScheduleProblem('@every 1h30m')).toBeUndefined();
    expect(cronScheduleProblem('@every ninety')).toBe('"ninety" is not a duration such as 1h30m');
  });
});
