// Validate JSON documents against a draft-04 JSON schema with Ajv (ajv-draft-04).
// Usage: node validate_json.mjs SCHEMA.json DOCUMENTS.json
// DOCUMENTS.json holds an array; prints a JSON array with, per document, its list of errors
// (empty when valid). Used by the contract tests to check ADF against @atlaskit/adf-schema.
import { readFileSync } from "node:fs";
import Ajv from "ajv-draft-04";

const [schemaPath, documentsPath] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const documents = JSON.parse(readFileSync(documentsPath, "utf8"));
const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile(schema);
const results = documents.map((document) =>
  validate(document)
    ? []
    : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message} (${e.schemaPath})`),
);
process.stdout.write(JSON.stringify(results));
