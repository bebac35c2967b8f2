// How medic tunes @octokit/plugin-throttling, for the app's installation clients and for the
// action's and watcher's token clients. The plugin stays on: its one-write-a-second limiter,
// and its handling of rate-limit and secondary-limit answers (waited out, then retried). Its
// extra three seconds between requests that notify people (new comments, issues) is its own
// heuristic, not a GitHub rule; medic's write pacer already keeps GitHub's documented pace
// (a second apart, 80 a minute) and orders writes by what the user waits for, so that
// heuristic is turned off: with it, each command's result waited behind every other command's
// "waiting" comment.
export const THROTTLE_TUNING = {
  triggersNotification: (): boolean => false,
} as const;
