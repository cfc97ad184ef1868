package dev.leasehold.store;

import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.SetClusterId;
import dev.leasehold.raft.Role;
import dev.leasehold.store.storage.StateMachine;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives a cluster bootstrapped from a static peer list its id (DESIGN.md: every cluster has a {@code clusterId}):
 * while the applied state has none, the leader proposes a random one. The first {@code SetClusterId} applied wins,
 * so two leaders in a row proposing one is harmless. Called every tick.
 */
final class ClusterNaming {

    private final RaftDriver driver;
    private final StateMachine stateMachine;
    private final AtomicBoolean proposing = new AtomicBoolean();

    ClusterNaming(RaftDriver driver, StateMachine stateMachine) {
        this.driver = driver;
        this.stateMachine = stateMachine;
    }

    void tick() {
        if (!stateMachine.clusterId().isEmpty() || driver.status().role() != Role.LEADER
                || !proposing.compareAndSet(false, true)) {
            return;
        }
        byte[] command = Command.newBuilder().setSetClusterId(SetClusterId.newBuilder()
                .setClusterId(UUID.randomUUID().toString())).build().toByteArray();
        driver.propose(command).whenComplete((applied, error) -> proposing.set(false));
    }
}
