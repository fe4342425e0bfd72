// The realistic page of scenario 5: an EJS template (compiled once, as Express's view cache
// does in production) rendering 200 orders picked from an in-memory "database result" (1,000
// rows filtered and sorted per request), with per-cell escaping and money formatting. Tuned
// to cost about 1 ms of CPU per render on the bench machine (1.0–1.4 ms measured, 2026-12-01);
// the bench reports the baseline's in-process CPU per response, which includes it.
import ejs from 'ejs';

interface Order {
  readonly id: number;
  readonly customer: string;
  readonly placedAt: Date;
  readonly items: number;
  readonly amountCents: number;
  readonly status: string;
}

const STATUSES = ['paid', 'pending', 'refunded', 'shipped'] as const;

/** The "table": 1,000 orders, made once. */
const ORDERS: readonly Order[] = Array.from({ length: 1000 }, (_, i) => ({
  id: 10_000 + i,
  customer: `Customer ${i % 317} & Sons`,
  placedAt: new Date(Date.UTC(2026, i % 12, (i % 28) + 1, i % 24, i % 60)),
  items: (i % 7) + 1,
  amountCents: ((i * 7919) % 250_000) + 199,
  status: STATUSES[i % 4]!,
}));

const TEMPLATE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Orders — <%= shop %></title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav><a href="/">Home</a> <a href="/orders">Orders</a> <span><%= user %></span></nav></header>
<main><h1>Recent orders</h1><p><%= orders.length %> orders, <%= money(total) %> in total</p>
<table><thead><tr><th>#</th><th>Customer</th><th>Placed</th><th>Items</th><th>Amount</th><th>Status</th></tr></thead><tbody>
<% for (const o of orders) { %><tr class="<%= o.status %>"><td><a href="/orders/<%= o.id %>"><%= o.id %></a></td><td><%= o.customer %></td><td><%= date(o.placedAt) %></td><td><%= o.items %></td><td><%= money(o.amountCents) %></td><td><%= o.status %></td></tr>
<% } %></tbody></table></main><footer><p>Page <%= page %></p></footer></body></html>
`;

const render = ejs.compile(TEMPLATE);

function money(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

function date(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** The "query": orders not refunded (or refunded with more than 2 items), newest first, 200. */
function recentOrders(): Order[] {
  return ORDERS.filter((o) => o.status !== 'refunded' || o.items > 2)
    .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime())
    .slice(0, 200);
}

/** Renders the orders page (about 32 KB) for `user`. */
export function renderOrdersPage(user: string): string {
  const orders = recentOrders();
  const total = orders.reduce((sum, o) => sum + o.amountCents, 0);
  return render({ shop: 'Bench shop', user, orders, total, money, date, page: 1 });
}
