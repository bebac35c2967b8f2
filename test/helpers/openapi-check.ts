// Every response the API tests get is checked against the committed OpenAPI document: the
// operation's response for that status and content type, its schema compiled with Ajv
// (JSON Schema 2020-12, as OpenAPI 3.1 uses it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
const DOC = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8'),
) as Json & { paths: Record<string, Record<string, Json>>; components: Json };

const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
ajv.addSchema({ $id: 'medic-openapi', components: DOC.components } as Json);

/** The path template of the document that `pathname` (under /api/v1) fits. */
function templateOf(pathname: string): string {
  const rest = pathname.replace(/^\/api\/v1/, '');
  for (const template of Object.keys(DOC.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(rest)) return template;
  }
  throw new Error(`no path of the OpenAPI document fits ${pathname}`);
}

/** Throws unless the response fits the document (status listed, content type, body schema). */
export function checkResponse(method: string, pathname: string, status: number, type: string, body: unknown) {
  const operation = DOC.paths[templateOf(pathname)]?.[method.toLowerCase()] as
    | { responses: Record<string, { content?: Record<string, { schema: Json }> }> }
    | undefined;
  if (!operation) throw new Error(`the OpenAPI document has no ${method} ${pathname}`);
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${pathname}: status ${status} is not documented`);
  const mediaType = type.split(';')[0]!.trim();
  const content = response.content?.[mediaType];
  if (!content) throw new Error(`${method} ${pathname} ${status}: ${mediaType} is not documented`);
  const schema = JSON.parse(
    JSON.stringify(content.schema).replaceAll('"#/components/', '"medic-openapi#/components/'),
  );
  const validate = ajv.compile(schema);
  if (!validate(body)) {
    throw new Error(
      `${method} ${pathname} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  }
}
