import {
  compareFieldNames,
  md5Hex,
  sign,
  signedValues,
  SIGNATURE_FIELD,
  type Fields,
} from './signature.js';

/**
 * When a signature does not match, try the mistakes integrators make most often and name the one
 * that reproduces the received signature. This only feeds the developer hint; the gateway's answer
 * body never changes because of it.
 */
export function diagnoseSignatureMismatch(
  script: string,
  path: string,
  fields: Fields,
  secret: string,
  received: string,
): string | undefined {
  const target = received.toLowerCase();
  const scriptVariants = new Set([
    path,
    path.replace(/^\//, ''),
    `${script}.php`,
    script.replace(/\.php$/, ''),
    '',
  ]);
  for (const candidate of scriptVariants) {
    if (candidate !== script && sign(candidate, fields, secret) === target) {
      return `your signature uses the script name "${candidate}"; the gateway signs with "${script}", the last segment of the path`;
    }
  }

  const unsorted = Object.entries(fields)
    .filter(([key]) => key !== SIGNATURE_FIELD)
    .map(([, value]) => (typeof value === 'string' ? value : JSON.stringify(value)));
  if (md5Hex([script, ...unsorted, secret].join(';')) === target) {
    return 'your signature joins the values in the order you sent them; sort the fields by name first';
  }

  const pairs = Object.keys(fields)
    .filter((key) => key !== SIGNATURE_FIELD)
    .sort(compareFieldNames)
    .map((key) => `${key}=${typeof fields[key] === 'string' ? fields[key] : ''}`);
  if (md5Hex([script, ...pairs, secret].join(';')) === target) {
    return 'your signature joins key=value pairs; the rule joins the values only';
  }

  const values = signedValues(fields);
  if (md5Hex([script, ...values].join(';')) === target) {
    return 'your signature leaves out the secret key; append it as the last element';
  }
  if (md5Hex([...values, secret].join(';')) === target) {
    return 'your signature leaves out the script name; put it first';
  }
  return undefined;
}
