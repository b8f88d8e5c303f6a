"""The broker's configuration files: server.properties (KRaft, one node) and log4j.properties."""

from __future__ import annotations

from pathlib import Path

from infra.kafka.identity import NodeIdentity

NODE_ID = 1
HOST = "127.0.0.1"


def server_properties(identity: NodeIdentity, log_dir: Path) -> str:
    """A single-node KRaft broker+controller on loopback, sized for a 2-core dev machine."""
    settings: dict[str, str | int] = {
        # one process is both the broker and the (only) controller
        "process.roles": "broker,controller",
        "node.id": NODE_ID,
        "controller.quorum.voters": f"{NODE_ID}@{HOST}:{identity.controller_port}",
        "controller.listener.names": "CONTROLLER",
        "listeners": f"PLAINTEXT://{HOST}:{identity.port},CONTROLLER://{HOST}:{identity.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{identity.port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        # one replica of everything
        "default.replication.factor": 1,
        "min.insync.replicas": 1,
        "offsets.topic.replication.factor": 1,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        # fewer internal partitions than the defaults (50): faster first group join
        "offsets.topic.num.partitions": 8,
        "transaction.state.log.num.partitions": 4,
        # topics are declared, never created by accident
        "auto.create.topics.enable": "false",
        "num.partitions": 1,
        "group.initial.rebalance.delay.ms": 0,
        # after a crash the restarted controller waits out the dead incarnation's session before
        # the broker may register again: 4 s instead of the default 9 s
        "broker.session.timeout.ms": 4000,
        "broker.heartbeat.interval.ms": 1000,
        # threads and buffers for 2 cores and a small heap
        "num.network.threads": 2,
        "num.io.threads": 4,
        "background.threads": 4,
        "num.recovery.threads.per.data.dir": 1,
        "log.cleaner.threads": 1,
        "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
        # small segments and a week of retention: enough for development, little disk
        "log.segment.bytes": 64 * 1024 * 1024,
        "log.retention.hours": 168,
        "log.retention.check.interval.ms": 60_000,
    }
    lines = ["# Written by Loreline (infra/kafka) on every start; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def log4j_properties() -> str:
    """Everything to stdout (which goes to the broker's log file); chatty loggers quieter."""
    return "\n".join(
        [
            "log4j.rootLogger=INFO, stdout",
            "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
            "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
            "log4j.logger.kafka=INFO",
            "log4j.logger.org.apache.kafka=INFO",
            "log4j.logger.kafka.request.logger=WARN",
            "log4j.logger.kafka.controller=INFO",
            "log4j.logger.kafka.log.LogCleaner=WARN",
            "log4j.logger.state.change.logger=WARN",
            "log4j.logger.kafka.authorizer.logger=WARN",
            "",
        ]
    )
