// The floor for this stack: bare Express + multer answering a fixed XML body. The sandbox is
// measured against it in the same run (npm run bench).
import process from 'node:process';
import express from 'express';
import multer from 'multer';

const app = express();
const xml =
  '<?xml version="1.0" encoding="utf-8"?><response><pg_status>ok</pg_status><pg_payment_id>1</pg_payment_id></response>';
app.post('/api/reg2reg', multer().none(), (_req, res) => {
  res.type('application/xml').send(xml);
});
app.get('/__sandbox/health', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
