"""Read the Faust tables' durable state straight from their changelog topics.

This is what a worker recovers its tables from on start, so it is the state a restarted worker will
hold; checks compare it with `world_state_*` and with a replay of the stored events.
"""

from __future__ import annotations

import json

from aiokafka import AIOKafkaConsumer, TopicPartition

from infra.kafka.topics import topic_partitions
from streams.world_state.fold import SPECS, StateDelta
from streams.world_state.tables import KEY_SEP, table_name


def changelog_topic(app_id: str, domain: str) -> str:
    return f"{app_id}-{table_name(domain)}-changelog"


async def read_changelog_state(bootstrap: str, app_id: str) -> StateDelta:
    """Latest value per key of every state table's changelog (tombstones remove the key)."""
    state = StateDelta()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        for domain in SPECS:
            topic = changelog_topic(app_id, domain)
            count = await topic_partitions(bootstrap, topic)
            if not count:
                continue
            tps = [TopicPartition(topic, p) for p in range(count)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            remaining = {tp for tp in tps if ends[tp] > 0}
            rows = state.rows[domain]
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=1000)
                for tp, messages in batches.items():
                    for message in messages:
                        key = tuple(json.loads(message.key).split(KEY_SEP))
                        if message.value is None:
                            rows.pop(key, None)
                        else:
                            rows[key] = json.loads(message.value)
                        if message.offset + 1 >= ends[tp]:
                            remaining.discard(tp)
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return state
