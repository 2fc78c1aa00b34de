// Accessibility check of every page kind, public and staff, at 1280 and 360 px: axe-core
// (WCAG 2.2 A/AA) violations and pages that scroll sideways. Runs against a server started
// with the demo (`cargo run --release`), signed in as the demo's planning staff.
//
//   cd tools && npm install axe-core playwright-core && node axe-check.js
//   BASE_URL=http://127.0.0.1:8099 node axe-check.js
//
// Chromium from Debian (`apt-get install chromium`) at /usr/bin/chromium; CSP is bypassed only
// to inject axe.
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const B = process.env.BASE_URL || 'http://127.0.0.1:8080';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const pub = ['/', '/sample', '/sample/2024/heads', '/sample/2024/results', '/sample/2024/results/kyoiku', '/sample/2024/summary', '/kariya', '/kariya/2026', '/kariya/2026/departments/somu', '/kariya/2026/pillars/1', '/kariya/search?q=防災', '/kokubunji/2026/departments/shimin', '/kazo/plans/gyosei-keiei-2', '/kazo/plans/gyosei-keiei-2/items/1', '/open-data', '/login', '/nowhere'];
  // Every staff page kind, each with an account that may open it.
  const kariya = ['/staff', '/staff/departments/1', '/staff/departments/1/results', '/staff/departments/1/profile',
    '/staff/departments/1/history', '/staff/departments/1/preview', '/staff/departments/1/diff',
    '/staff/departments/1/goals/new', '/staff/goals/1/status', '/staff/goals/1/edit', '/staff/goals/1/history',
    '/staff/goals/1/initiatives/new', '/staff/initiatives/1/results', '/staff/initiatives/1/edit',
    '/staff/initiatives/1/criteria/new', '/staff/criteria/1/edit', '/staff/admin', '/staff/admin/users',
    '/staff/admin/years/2026', '/staff/admin/years/2026/progress', '/staff/admin/years/2026/publication',
    '/staff/admin/pillars', '/staff/admin/layout', '/staff/admin/site', '/staff/password', '/staff/import'];
  const kazo = ['/staff/plans', '/staff/plans/new', '/staff/plans/import', '/staff/plans/gyosei-keiei-2',
    '/staff/plans/gyosei-keiei-2/nodes/new', '/staff/plans/gyosei-keiei-2/nodes/' + (process.env.NODE_ID || '1'),
    '/staff/plans/gyosei-keiei-2/items/new', '/staff/plans/gyosei-keiei-2/items/1/edit',
    '/staff/plans/gyosei-keiei-2/items/1', '/staff/plans/gyosei-keiei-2/progress/2017'];
  // More paths for kariya-admin, comma-separated (pages the demo only has after steps, e.g.
  // a published mid-year check: EXTRA=/kariya/2026/midyear,/staff/departments/1/midyear).
  const extra = (process.env.EXTRA || '').split(',').filter(p => p);
  const accounts = [['kariya-admin', [...pub, ...kariya, ...extra]], ['kazo-admin', kazo]];
  let total = 0;
  for (const width of [1280, 360]) {
    for (const [username, paths] of accounts) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(B + '/login');
      await page.fill('#username', username);
      await page.fill('#password', 'mokuhyo-demo-admin');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      for (const path of paths) {
        const response = await page.goto(B + path);
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(async () => {
          const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
          return { v: r.violations.map(v => v.id + ' x' + v.nodes.length + ' ' + v.nodes.slice(0,2).map(n => n.target.join(' ')).join(' | ')), sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth };
        });
        const scroll = result.sw > result.cw ? ` SIDEWAYS ${result.sw}>${result.cw}` : '';
        const status = response.status() >= 400 && path !== '/nowhere' ? ` HTTP ${response.status()}` : '';
        if (result.v.length || scroll || status) { console.log(width, path, result.v.join('; '), scroll, status); }
        total += result.v.length + (status ? 1 : 0);
      }
      await context.close();
    }
  }
  console.log('violations (rule kinds) total:', total);
  await browser.close();
})();
