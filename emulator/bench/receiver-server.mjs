// The merchant's side of the benchmark, in a process of its own as a real merchant would be:
// acknowledges every postback and notes when each payment's first one arrived.
import { createServer } from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';

const arrivals = new Map();
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/arrivals') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(Object.fromEntries(arrivals)));
    return;
  }
  if (req.method === 'GET' && req.url === '/arrivals/count') {
    res.end(String(arrivals.size));
    return;
  }
  if (req.method === 'DELETE' && req.url === '/arrivals') {
    arrivals.clear();
    res.end();
    return;
  }
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const id = new URLSearchParams(body).get('pg_payment_id');
    if (id && !arrivals.has(id)) arrivals.set(id, Date.now());
    res.end('OK');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
