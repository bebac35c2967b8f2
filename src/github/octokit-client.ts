// A GitHub client with a token (the action, the watcher's incident hook): @octokit/rest at GITHUB_API_URL with the retry and throttling
// plugins, so 5xx and rate limits are waited out rather than lost.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { THROTTLE_TUNING } from './throttle.js';

const Client = Octokit.plugin(retry, throttling);

export function restOctokit(token: string, baseUrl: string, log: (msg: string) => void): Octokit {
  return new Client({
    auth: token,
    baseUrl,
    userAgent: 'workspace-medic-action',
    throttle: {
      ...THROTTLE_TUNING,
      onRateLimit: (
        after: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log(`rate limited on ${options.method} ${options.url}; retrying in ${after}s`);
        return retryCount < 3;
      },
      onSecondaryRateLimit: (
        after: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log(`secondary rate limit on ${options.method} ${options.url}; retrying in ${after}s`);
        return retryCount < 3;
      },
    },
  });
}
