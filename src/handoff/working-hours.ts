/**
 * WORKING_HOURS ("09:00-20:00", or "20:00-08:00" across midnight) read in the store's time
 * zone: whether a person is at work now, and the opening and closing times to tell a shopper.
 */
export interface WorkingHours {
  open: string;
  close: string;
  inside: boolean;
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormat = (tz: string) => {
  let f = clockFormats.get(tz);
  if (!f) clockFormats.set(tz, (f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f;
};

export function workingHours(spec: string, timeZone: string, now: Date): WorkingHours {
  const [open, close] = spec.split('-') as [string, string];
  const clock = clockFormat(timeZone).format(now);
  const inside = open <= close ? clock >= open && clock < close : clock >= open || clock < close;
  return { open, close, inside };
}
