# The other side of the interop tests: Eclipse Paho's Python client (Debian python3-paho-mqtt).
#   sub HOST PORT TOPIC QOS COUNT SECONDS [CLIENT_ID]: prints READY once subscribed, then one
#       JSON line per message (topic, qos, retain, length, sha256, and the payload when short),
#       until COUNT messages or SECONDS pass.
#   pub HOST PORT TOPIC QOS RETAIN FILE [COUNT]: publishes FILE's bytes (COUNT times, each
#       with its number appended when COUNT > 1) and waits until the broker has them all.
import hashlib
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt


def main():
    mode, host, port, topic, qos = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    if mode == 'sub':
        count, seconds = int(sys.argv[6]), float(sys.argv[7])
        client_id = sys.argv[8] if len(sys.argv) > 8 else ''
        client = mqtt.Client(client_id=client_id, clean_session=client_id == '')
        got = []

        def on_connect(c, userdata, flags, rc):
            c.subscribe(topic, qos)

        def on_subscribe(c, userdata, mid, granted):
            print('READY %s' % ','.join(str(g) for g in granted), flush=True)

        def on_message(c, userdata, m):
            row = {'topic': m.topic, 'qos': m.qos, 'retain': int(m.retain), 'length': len(m.payload),
                   'sha256': hashlib.sha256(m.payload).hexdigest()}
            if len(m.payload) <= 64:
                row['payload'] = m.payload.decode('utf-8', 'replace')
            print(json.dumps(row), flush=True)
            got.append(row)

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect(host, port, 60)
        end = time.time() + seconds
        while len(got) < count and time.time() < end:
            client.loop(0.05)
        client.disconnect()
    else:
        retain, path = sys.argv[6] == '1', sys.argv[7]
        count = int(sys.argv[8]) if len(sys.argv) > 8 else 1
        with open(path, 'rb') as f:
            payload = f.read()
        client = mqtt.Client()
        client.max_inflight_messages_set(20)
        connected = threading.Event()
        barrier = threading.Event()
        client.on_connect = lambda c, userdata, flags, rc: connected.set()
        client.on_subscribe = lambda c, userdata, mid, granted: barrier.set()
        client.connect(host, port, 60)
        client.loop_start()
        # Publish once the broker has accepted us (a broker may drop what comes before).
        connected.wait(20)
        infos = []
        for i in range(count):
            body = payload if count == 1 else payload + str(i).encode()
            infos.append(client.publish(topic, body, qos, retain))
        for info in infos:
            info.wait_for_publish()
        # A round trip before DISCONNECT: the broker has handled every PUBLISH (QoS 0 too).
        client.subscribe(topic + '/barrier', 0)
        barrier.wait(20)
        client.disconnect()
        client.loop_stop()
        print('SENT %d' % count, flush=True)


main()
