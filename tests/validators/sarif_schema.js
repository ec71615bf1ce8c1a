#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Checks a SARIF file against the SARIF 2.1.0 JSON schema shipped with Microsoft's multitool,
// with ajv: the multitool's own validation skips the enums declared without a "type" (a
// result's level and kind, a run's columnKind), which this checks.
//   node sarif_schema.js FILE.sarif   -> exit 0 valid, 1 invalid (errors printed)
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const Ajv2020 = require(path.join(modules, 'ajv/dist/2020')).default;
const addFormats = require(path.join(modules, 'ajv-formats'));

const schemaFile = path.join(modules, '@microsoft/sarif-multitool-linux/sarif-2.1.0.json');
const ajv = new Ajv2020({allErrors: true, strict: false});
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
const document = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (validate(document)) {
  process.exit(0);
}
for (const e of validate.errors) {
  console.log(`${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
}
process.exit(1);
