// offload's jest reporter: reports each test as it starts and ends with the framed records of
// docs/test-protocol.md, so that a test that ends the process (process.exit, a crash) costs the
// tests that ended nothing, is charged itself, and lets offload run the tests it never reached
// elsewhere. The jest plugin embeds this file, writes it to the sandbox and passes it with
// --reporters. Ids are `FILE > DESCRIBE > ... > TITLE`, FILE relative to jest's working directory.
'use strict';
const fs = require('fs');
const path = require('path');

// Taken from the environment before any test runs (jest creates reporters before its workers):
// no test, nor anything it starts, can see it.
const mark = process.env.OFFLOAD_EVENT_MARK || '';
delete process.env.OFFLOAD_EVENT_MARK;

function encode(text) {
  return String(text).replace(/[%\t\r\n ]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function record(verb, fields) {
  if (!mark) return;
  const line = `${mark} ${verb}${fields}\n`;
  // One write per record, so nothing interleaves with it.
  fs.writeSync(1, line.length > 3900 ? line.slice(0, 3900) + '\n' : line);
}

function idOf(testPath, ancestorTitles, title) {
  const file = path.relative(process.cwd(), testPath).split(path.sep).join('/');
  return [file, ...ancestorTitles.filter((t) => t !== ''), title].join(' > ');
}

const outcomes = { passed: 'passed', failed: 'failed', pending: 'skipped', skipped: 'skipped', todo: 'skipped', disabled: 'skipped' };

class OffloadRecordsReporter {
  onTestCaseStart(test, info) {
    record('start', ` id=${encode(idOf(test.path, info.ancestorTitles, info.title))}`);
  }

  onTestCaseResult(test, result) {
    const id = encode(idOf(test.path, result.ancestorTitles, result.title));
    const outcome = outcomes[result.status] || 'error';
    const failure = (result.failureMessages || []).join('\n');
    for (let at = 0; at < failure.length; at += 1000)
      record('output', ` id=${id} data=${encode(failure.slice(at, at + 1000))}`);
    let fields = ` id=${id} outcome=${outcome}`;
    if (typeof result.duration === 'number') fields += ` secs=${result.duration / 1000}`;
    const message = failure.split('\n').find((line) => line.trim() !== '');
    if (message) fields += ` message=${encode(message.trim().slice(0, 300))}`;
    record('end', fields);
  }

  getLastError() {}
}

module.exports = OffloadRecordsReporter;
