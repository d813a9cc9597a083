import { DASHBOARD_PATH } from './dashboard-session.js';

/** Where the hint page's script is served; a file of its own, so the CSP can forbid inline scripts. */
export const SIGN_IN_SCRIPT_PATH = `${DASHBOARD_PATH}/session/sign-in.js`;

/**
 * What a browser gets at /admin/queues without a dashboard session (opened from the start
 * banner, or after the session ended): a page that says how to get in, instead of raw 401 JSON.
 * Its script turns the web page's sign-in (same tab, same origin) into a dashboard session.
 */
export const SIGN_IN_HINT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Job dashboard: sign in</title></head>
<body>
<h1>Job dashboard</h1>
<p id="status">The job dashboard is for administrators. Checking whether you are signed in…</p>
<p>Sign in on the <a href="/account">web page</a> with the admin role, then open <strong>Jobs</strong> from its menu.
From a terminal, an admin token (<code>npm run token -- --user you --admin</code>) works on the dashboard's API directly:
<code>curl -H "Authorization: Bearer &lt;token&gt;" ${DASHBOARD_PATH}/api/queues</code>.</p>
<script src="${SIGN_IN_SCRIPT_PATH}"></script>
</body></html>`;

/**
 * Reads the web page's session (sessionStorage `byok.session`, see apps/web/src/auth/session.ts),
 * exchanges its token for the HttpOnly dashboard cookie, and reloads; otherwise says what is missing.
 */
export const SIGN_IN_SCRIPT = `(async () => {
  const status = document.getElementById('status');
  let token = null;
  try {
    const session = JSON.parse(sessionStorage.getItem('byok.session') || 'null');
    token = session && typeof session.token === 'string' ? session.token : null;
  } catch {}
  if (!token) {
    status.textContent = 'You are not signed in here. Sign in as an administrator first.';
    return;
  }
  const res = await fetch('${DASHBOARD_PATH}/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  if (res.ok) {
    location.reload();
    return;
  }
  status.textContent = res.status === 403
    ? 'You are signed in without the admin role; the job dashboard is for administrators.'
    : 'Your sign-in has ended or was refused (' + res.status + '). Sign in again on the web page.';
})();
`;
