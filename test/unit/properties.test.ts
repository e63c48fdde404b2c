// The MQTT v5 property table (src/properties.ts) against mqtt-packet's own tables: the same
// ids, names and value types, so that what -D sets and what the receive checks read is what
// mqtt-packet encodes and decodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import constants from 'mqtt-packet/constants';
import { PROPERTY_TABLE } from '../../src/properties.ts';

test('every property of mqtt-packet, with its id and type, once in the table', () => {
  const ours = Object.fromEntries(PROPERTY_TABLE.map((p) => [p.id, p.key]));
  assert.deepEqual(
    ours,
    Object.fromEntries(Object.entries(constants.propertiesCodes).map(([id, key]) => [Number(id), key])),
  );
  for (const p of PROPERTY_TABLE) {
    // mqtt-packet reads maximum-qos as 'int8': one byte, as libmosquitto reads every byte property.
    const theirs = constants.propertiesTypes[p.key] === 'int8' ? 'byte' : constants.propertiesTypes[p.key];
    assert.equal(p.type, theirs, p.name);
  }
  assert.equal(new Set(PROPERTY_TABLE.map((p) => p.name)).size, PROPERTY_TABLE.length);
});
