// Browser test of the console in Debian's Chromium (playwright-core, no downloaded
// browser): sign in with an agent key, open the disputes queue, read an escalated
// dispute's evidence, decide it, check the order is resolved, label a case from the
// scam queue, try the scan playground, and save screenshots of the main pages.
//
// With REPORT=FILE.html (a `marketguard simulate --report` page) it also checks the
// report's pictures are drawn and saves a screenshot of it.
//
// Usage: BASE_URL=http://127.0.0.1:PORT AGENT_KEY=mgk_... SHOTS=dir [REPORT=file] node console.mjs
// Prints "N passed, N failed" and exits 1 on any failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

const base = process.env.BASE_URL;
const key = process.env.AGENT_KEY;
const shots = process.env.SHOTS ?? "ci-artifacts/screenshots";
if (!base || !key) {
  console.error("BASE_URL and AGENT_KEY are required");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${detail}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/console`);
  check("an unsigned visitor lands on the sign-in page", page.url().endsWith("/console/login"), page.url());
  await page.screenshot({ path: `${shots}/sign-in.png`, fullPage: true });

  await page.fill("#key", "mgk_0000000000000000_000000000000000000000000000000000000000000000000");
  await page.click("button[type=submit]");
  check("a wrong key is refused", (await page.content()).includes("not accepted"));

  await page.fill("#key", key);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/console`);
  check("the agent signs in to the dashboard", (await page.textContent("h1")) === "Dashboard");
  check("the dashboard shows money held in escrow", (await page.content()).includes("held in escrow"));
  await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "mg_session");
  check("the session cookie is HttpOnly and SameSite=Strict", session && session.httpOnly && session.sameSite === "Strict");

  await page.click("text=Disputes");
  await page.waitForURL(`${base}/console/disputes`);
  await page.screenshot({ path: `${shots}/disputes.png`, fullPage: true });
  const row = page.locator("tr", { has: page.locator("span.pill", { hasText: "escalated" }) }).first();
  check("the queue lists an escalated dispute", (await row.count()) === 1);
  const link = row.locator("a").first();
  const order = (await link.textContent()).trim();
  await link.click();
  await page.waitForURL(`${base}/console/orders/${order}`);
  await page.screenshot({ path: `${shots}/order-before-decision.png`, fullPage: true });

  // The dispute's evidence, piece by piece: the agent adds a photo, a tracking number,
  // a message and a text with markup through the API; the page shows each as text.
  const auth = { Authorization: `Bearer ${key}` };
  const messages = await (await page.request.get(`${base}/v1/orders/${order}/messages`, { headers: auth })).json();
  const message = messages.find((m) => m.text) ?? { id: "no-such-message" };
  const photo = "0123456789abcdef".repeat(4);
  const markup = "<img src=x onerror=alert(1)> the seal was broken";
  const added = await page.request.post(`${base}/v1/orders/${order}/commands`, {
    headers: { ...auth, "Idempotency-Key": `browser-evidence-${order}` },
    data: { command: "add_evidence", evidence: [
      { type: "text", text: markup },
      { type: "photo", sha256: photo, media_type: "image/webp" },
      { type: "tracking", number: "rr 123 456 785 cn" },
      { type: "message", id: message.id },
    ] },
  });
  check("the agent adds evidence through the API", added.ok(), `${added.status()} ${await added.text()}`);
  await page.reload();
  const evidence = page.locator("table.evidence");
  const shown = (await evidence.textContent()) ?? "";
  check("the dispute page shows the buyer's evidence text", shown.includes("the item arrived"), shown);
  check("the evidence shows a text with its markup as text", shown.includes(markup), shown);
  check("no element comes from evidence text", (await evidence.locator("img, script").count()) === 0);
  check("the evidence shows a photo's hash and media type", shown.includes(photo) && shown.includes("image/webp"), shown);
  check("the evidence shows a tracking number", shown.includes("RR123456785CN"), shown);
  const excerpt = message.text ? message.text.slice(0, 30) : "not among this order's messages";
  check("the evidence shows the message it points to", shown.includes(excerpt), `${excerpt} in ${shown}`);
  check("no count of evidence stands in for it", !(await page.content()).includes("pieces of evidence"));
  await evidence.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/dispute-evidence.png`, fullPage: true });

  await page.selectOption("#outcome", "refund_full");
  await page.click("button:has-text('Decide')");
  await page.waitForURL(`${base}/console/orders/${order}`);
  const status = (await page.textContent("h1 .pill")).trim();
  check(`deciding refunds order ${order} and resolves it`, status === "resolved", status);
  check("the timeline records the agent's decision", (await page.content()).includes("dispute decided"));
  await page.screenshot({ path: `${shots}/order-after-decision.png`, fullPage: true });

  await page.click("p.muted a");
  // The simulated marketplace lived in early 2026: look at the ratings as of then.
  await page.fill("#as_of", "2026-03-01");
  await page.click("button:has-text('Show')");
  check("the seller page shows the rating chart", (await page.locator("svg[aria-label='feedback by stars']").count()) === 1);
  check("the seller has counted feedback as of 2026-03-01", !(await page.textContent(".card .n")).includes("n/a"));
  check("the seller page shows the review report card with tests", (await page.locator("table.tests tr").count()) > 3);
  await page.screenshot({ path: `${shots}/seller.png`, fullPage: true });

  // Scam detection: the cases queue, one case with the words highlighted, a label.
  await page.click("header >> text=Cases");
  await page.waitForURL(`${base}/console/cases`);
  const caseLink = page.locator("table.cases a[href^='/console/cases/']").first();
  check("the cases queue lists cases from scanned messages", (await caseLink.count()) === 1);
  await page.screenshot({ path: `${shots}/cases.png`, fullPage: true });
  const caseId = (await caseLink.textContent()).trim();
  await caseLink.click();
  await page.waitForURL(`${base}/console/cases/${caseId}`);
  const marks = await page.locator("p.message mark").count();
  check(`case ${caseId} highlights the words that were found`, marks >= 1, `${marks} marks`);
  await page.screenshot({ path: `${shots}/case.png`, fullPage: true });
  await page.check("input[name=label][value=scam]");
  await page.click("button:has-text('Close the case')");
  await page.waitForLoadState();
  await page.goto(`${base}/console/cases?status=closed`);
  check(`case ${caseId} is closed with the agent's label`, (await page.content()).includes(caseId));

  await page.click("header >> text=Scan");
  await page.fill("textarea[name=text]", "add me on W h a t s A p p and pay by western union for 10% off");
  await page.selectOption("select[name=sender]", "seller");
  await page.click("button:has-text('Scan') >> nth=0");
  await page.waitForLoadState();
  check("the scan playground highlights a disguised app name", (await page.locator("p.message mark").count()) >= 2);
  await page.screenshot({ path: `${shots}/scan.png`, fullPage: true });

  await page.click("text=Orders");
  await page.waitForURL(`${base}/console/orders`);
  await page.screenshot({ path: `${shots}/orders.png`, fullPage: true });

  await page.setViewportSize({ width: 420, height: 900 });
  await page.goto(`${base}/console`);
  await page.screenshot({ path: `${shots}/dashboard-phone.png`, fullPage: true });

  await page.click("text=Sign out");
  await page.goto(`${base}/console`);
  check("signing out ends the session", page.url().endsWith("/console/login"), page.url());

  if (process.env.REPORT) {
    await checkReport(browser, process.env.REPORT);
  }
} catch (e) {
  failed += 1;
  console.log(`FAIL unexpected error: ${e.stack ?? e}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);

// The simulate report: each picture an inline SVG with something drawn in it, shown at
// a real size, and no scripts on the page.
async function checkReport(browser, file) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`file://${resolve(file)}`);
  for (const name of ["money", "orders", "funnel", "detection"]) {
    const chart = page.locator(`svg.chart[data-chart=${name}]`).first();
    const box = (await chart.count()) > 0 ? await chart.boundingBox() : null;
    const marks = await page.locator(`svg.chart[data-chart=${name}] :is(.series, .bar)`).count();
    check(`the report draws the ${name} picture`, box && box.width > 200 && box.height > 60 && marks > 0,
      JSON.stringify({ box, marks }));
  }
  check("the report runs no scripts", (await page.locator("script").count()) === 0);
  await page.screenshot({ path: `${shots}/simulate-report.png`, fullPage: true });
  await page.close();
}
process.exit(failed === 0 ? 0 : 1);
