// The signed floor: Express 5 reading the body the sandbox's ways (multer().none() for
// multipart, express.urlencoded for urlencoded) and answering a signed XML built with xmlbuilder2,
// without checking, deciding or storing anything. The least a signed XML answer costs on this
// stack; the sandbox is measured against it in the same run (npm run bench).
import { createHash, randomBytes } from 'node:crypto';
import process from 'node:process';
import express from 'express';
import multer from 'multer';
import { create } from 'xmlbuilder2';

const SECRET = 'sandbox-payout-secret';
const app = express();
let paymentId = 1_200_000_000;

/**
 * `pg_sig` as the gateway signs an answer: md5 of `reg2reg;values sorted by name;secret`.
 * @param {Record<string, string>} fields
 * @returns {Record<string, string>}
 */
function signed(fields) {
  const values = Object.keys(fields)
    .sort()
    .map((name) => fields[name]);
  const sig = createHash('md5')
    .update(['reg2reg', ...values, SECRET].join(';'))
    .digest('hex');
  return { ...fields, pg_sig: sig };
}

/**
 * The request's `pg_order_id`, echoed in the answer as the gateway does.
 * @param {unknown} body
 * @returns {string}
 */
function orderIdOf(body) {
  const value =
    typeof body === 'object' && body !== null && 'pg_order_id' in body ? body.pg_order_id : '';
  return typeof value === 'string' ? value : '';
}

app.post('/api/reg2reg', multer().none(), express.urlencoded({ extended: true }), (req, res) => {
  const fields = signed({
    pg_status: 'ok',
    pg_payment_id: String(++paymentId),
    pg_order_id: orderIdOf(req.body),
    pg_salt: randomBytes(8).toString('hex'),
  });
  const response = create({ version: '1.0', encoding: 'utf-8' }).ele('response');
  for (const [name, value] of Object.entries(fields)) response.ele(name).txt(value);
  res.type('application/xml').send(response.end());
});
app.get('/__sandbox/health', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
