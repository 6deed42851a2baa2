// Unit tests of inline command splitting (sdssplitargs's rules).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitInlineArgs } from './inline.ts';

test('spaces separate; quotes group; escapes in double quotes only', () => {
  assert.deepEqual(splitInlineArgs('SET a b'), ['SET', 'a', 'b']);
  assert.deepEqual(splitInlineArgs('  SET   a\tb  '), ['SET', 'a', 'b']);
  assert.deepEqual(splitInlineArgs(''), []);
  assert.deepEqual(splitInlineArgs('   '), []);
  assert.deepEqual(splitInlineArgs('ECHO "a b"'), ['ECHO', 'a b']);
  assert.deepEqual(splitInlineArgs('ECHO "\\x41\\n\\r\\t\\b\\a\\\\\\""'), ['ECHO', 'A\n\r\t\b\x07\\"']);
  assert.deepEqual(splitInlineArgs('ECHO "\\xZZ"'), ['ECHO', 'xZZ']);
  assert.deepEqual(splitInlineArgs("ECHO 'it\\'s' '\\n'"), ['ECHO', "it's", '\\n']);
  assert.deepEqual(splitInlineArgs('ECHO ""'), ['ECHO', '']);
  assert.deepEqual(splitInlineArgs('ECHO a"b c"'), ['ECHO', 'ab c']);
});

test('unbalanced or glued quotes are refused', () => {
  assert.equal(splitInlineArgs('ECHO "abc'), null);
  assert.equal(splitInlineArgs("ECHO 'abc"), null);
  assert.equal(splitInlineArgs('ECHO "a"b'), null);
  assert.equal(splitInlineArgs("ECHO 'a'b"), null);
});
