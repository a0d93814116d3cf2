package org.vmhost.qemu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.vmhost.json.JsonObject;
import org.vmhost.json.JsonValue;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpErrorException;
import org.vmhost.qemu.qmp.QmpException;

/**
 * vCPU hot-plug through QMP: the slots QEMU has ({@code -smp N,maxcpus=M} gives M), which are filled, and
 * {@code device_add}/{@code device_del} of one. Only the pc machine can; microvm has no CPU hot-plug at all
 * ({@code query-hotpluggable-cpus} is "not enabled" there).
 */
public final class CpuHotplug {
    private CpuHotplug() {
    }

    /**
     * One CPU slot, in vCPU order.
     *
     * @param vcpu    the vCPU number this slot holds (slots sorted by socket, die, core, thread, as QEMU numbers them)
     * @param type    the CPU device type ({@code qemu64-x86_64-cpu})
     * @param props   the topology properties {@code device_add} needs
     * @param qomPath where the CPU is when the slot is filled; empty when free
     */
    public record Slot(int vcpu, String type, JsonObject props, Optional<String> qomPath) {
        public boolean present() {
            return qomPath.isPresent();
        }
    }

    /**
     * The machine's CPU slots, vCPU 0 first. Empty when the machine cannot hot-plug CPUs (microvm), which the
     * caller reports.
     */
    public static Optional<List<Slot>> slots(QmpClient qmp) throws QmpException, InterruptedException {
        JsonValue r;
        try {
            r = qmp.execute("query-hotpluggable-cpus");
        } catch (QmpErrorException e) {
            return Optional.empty(); // "The feature 'query-hotpluggable-cpus' is not enabled"
        }
        return Optional.of(parse(r));
    }

    /** The slots in an answer of {@code query-hotpluggable-cpus}, numbered in topology order. */
    static List<Slot> parse(JsonValue answer) {
        List<JsonValue> entries = new ArrayList<>();
        answer.forEach(entries::add);
        Comparator<JsonValue> order = Comparator.comparingInt((JsonValue n) -> n.path("props").path("socket-id").asInt())
                .thenComparingInt(n -> n.path("props").path("die-id").asInt())
                .thenComparingInt(n -> n.path("props").path("core-id").asInt())
                .thenComparingInt(n -> n.path("props").path("thread-id").asInt());
        entries.sort(order);
        List<Slot> slots = new ArrayList<>();
        for (JsonValue n : entries) {
            Optional<String> path = n.hasNonNull("qom-path") ? Optional.of(n.get("qom-path").asText()) : Optional.empty();
            slots.add(new Slot(slots.size(), n.path("type").asText(), ((JsonObject) n.path("props")).deepCopy(), path));
        }
        return slots;
    }

    /** The id a hot-plugged vCPU gets, so that it can be found and removed by it. */
    public static String deviceId(int vcpu) {
        return "vcpu" + vcpu;
    }

    /** Fills a free slot: {@code device_add} of the slot's CPU type with its topology. */
    public static void add(QmpClient qmp, Slot slot) throws QmpException, InterruptedException {
        qmp.deviceAdd(addArguments(slot));
    }

    static JsonObject addArguments(Slot slot) {
        JsonObject args = new JsonObject();
        args.put("driver", slot.type());
        args.put("id", deviceId(slot.vcpu()));
        args.setAll(slot.props());
        return args;
    }

    /**
     * Asks the guest to give a filled slot's CPU back ({@code device_del} by its QOM path, which also names the
     * CPUs the machine started with); QEMU removes it once the guest has ejected it.
     */
    public static void remove(QmpClient qmp, Slot slot) throws QmpException, InterruptedException {
        qmp.deviceDel(slot.qomPath().orElseThrow(() -> new IllegalArgumentException("slot " + slot.vcpu() + " is free")));
    }
}
