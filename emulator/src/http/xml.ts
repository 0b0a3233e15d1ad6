import { create } from 'xmlbuilder2';

/**
 * Renders answer fields as the gateway's XML: `<response>` root (freedompay-api.md §9.12, every
 * real sample), children in the given order, and nothing before `<?xml` (the PHP SDK breaks on
 * a byte before it).
 */
export function renderGatewayXml(fields: Record<string, string>): string {
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele('response');
  for (const [name, value] of Object.entries(fields)) root.ele(name).txt(value);
  return root.end({ prettyPrint: false });
}
