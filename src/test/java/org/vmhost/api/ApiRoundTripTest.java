package org.vmhost.api;

import org.vmhost.error.VmhostException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmhost.config.DomainType;
import org.vmhost.event.DomainEvent;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainRequest;
import org.vmhost.domain.DomainState;
import org.vmhost.domain.FakeDomainService;
import org.vmhost.domain.HostInfo;

/** Every DomainService method, from ApiClient over the UNIX socket through ApiServer to the service and back. */
class ApiRoundTripTest {
    @TempDir
    Path home;
    ApiFixture api;
    ApiClient client;

    @BeforeEach
    void start() {
        api = new ApiFixture(home, new FakeDomainService()
                .with(FakeDomainService.domain("web1", DomainState.RUNNING))
                .with(FakeDomainService.domain("db", DomainState.SHUT_OFF)));
        client = api.client();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void listReturnsDomain0FirstThenEveryDomainWithAllFields() {
        List<DomainInfo> domains = client.list();

        assertThat(domains).extracting(DomainInfo::name).containsExactly("Domain-0", "web1", "db");
        assertThat(domains).isEqualTo(api.fake.list());
        assertThat(domains.get(2).domid()).isEqualTo(OptionalInt.empty());
        assertThat(domains.get(0).domid()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void getFindsADomainByNameIdOrUuid() {
        DomainInfo web1 = api.fake.get("web1");

        assertThat(client.get("web1")).isEqualTo(web1);
        assertThat(client.get(String.valueOf(web1.domid().getAsInt()))).isEqualTo(web1);
        assertThat(client.get(web1.uuid())).isEqualTo(web1);
    }

    @Test
    void createSendsTheConfigTextAndOverridesAndReturnsARunningTransientDomain() {
        DomainRequest request = new DomainRequest("/etc/xen/small.cfg", "name = \"small\"\nmemory = 256\n",
                List.of("vcpus=2"));

        DomainInfo created = client.create(request, false);

        assertThat(created.name()).isEqualTo("small");
        assertThat(created.state()).isEqualTo(DomainState.RUNNING);
        assertThat(created.managed()).isFalse();
        assertThat(created.memory()).isEqualTo(256);
        assertThat(created.vcpus()).isEqualTo(2);
        assertThat(created.configText()).isEqualTo(request.configText());
        assertThat(api.fake.calls()).contains("create /etc/xen/small.cfg paused=false");
    }

    @Test
    void createPausedStartsTheDomainPaused() {
        DomainInfo created = client.create(new DomainRequest("p.cfg", "name = \"p\"", List.of()), true);

        assertThat(created.state()).isEqualTo(DomainState.PAUSED);
        assertThat(api.fake.calls()).contains("create p.cfg paused=true");
    }

    @Test
    void defineCreatesAManagedDomainWithoutStartingIt() {
        DomainInfo defined = client.define(new DomainRequest("pv.cfg", "name = \"pv1\"\ntype = \"pv\"", List.of()));

        assertThat(defined.state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(defined.managed()).isTrue();
        assertThat(defined.type()).isEqualTo(DomainType.PV);
        assertThat(api.fake.calls()).contains("define pv.cfg");
    }

    @Test
    void startStartsAManagedDomainPausedOrNot() {
        assertThat(client.start("db", true).state()).isEqualTo(DomainState.PAUSED);
        assertThat(api.fake.calls()).contains("start db paused=true");

        client.destroy("db");
        assertThat(client.start("db", false).state()).isEqualTo(DomainState.RUNNING);
        assertThat(api.fake.calls()).contains("start db paused=false");
    }

    @Test
    void deleteRemovesADefinition() {
        client.delete("db");

        assertThat(api.fake.list()).extracting(DomainInfo::name).doesNotContain("db");
        assertThat(api.fake.calls()).contains("delete db");
    }

    @Test
    void shutdownPassesTheWaitInWholeSecondsAndReturnsTheStoppedDomain() {
        DomainInfo stopped = client.shutdown("web1", Duration.ofMillis(29_500));

        assertThat(stopped.state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(api.fake.calls()).contains("shutdown web1 wait=PT30S");
    }

    @Test
    void shutdownWithoutAWaitPassesZero() {
        client.shutdown("web1", Duration.ZERO);

        assertThat(api.fake.calls()).contains("shutdown web1 wait=PT0S");
    }

    @Test
    void destroyStopsTheDomainAtOnce() {
        assertThat(client.destroy("web1").state()).isEqualTo(DomainState.SHUT_OFF);
        assertThat(api.fake.calls()).contains("destroy web1");
    }

    @Test
    void rebootPassesTheWait() {
        assertThat(client.reboot("web1", Duration.ofSeconds(5)).state()).isEqualTo(DomainState.RUNNING);
        assertThat(api.fake.calls()).contains("reboot web1 wait=PT5S");
    }

    @Test
    void resetReachesTheService() {
        assertThat(client.reset("web1").name()).isEqualTo("web1");
        assertThat(api.fake.calls()).contains("reset web1");
    }

    @Test
    void pauseAndUnpauseChangeTheState() {
        assertThat(client.pause("web1").state()).isEqualTo(DomainState.PAUSED);
        assertThat(client.unpause("web1").state()).isEqualTo(DomainState.RUNNING);
        assertThat(api.fake.calls()).contains("pause web1", "unpause web1");
    }

    @Test
    void renameGivesTheDomainItsNewName() {
        assertThat(client.rename("web1", "web2").name()).isEqualTo("web2");
        assertThat(api.fake.calls()).contains("rename web1 web2");
    }

    @Test
    void aReferenceWithCharactersThatNeedEncodingArrivesIntact() {
        api.fake.with(FakeDomainService.domain("odd name/ä?#%", DomainState.RUNNING));

        assertThat(client.pause("odd name/ä?#%").name()).isEqualTo("odd name/ä?#%");
        assertThat(api.fake.calls()).contains("pause odd name/ä?#%");
    }

    @Test
    void everyNameADomainMayHaveReachesTheServiceAsItIs() {
        for (String name : List.of("web#1", "vm-café", ".", "..", "a/../b", "%2F", " lead", "tail ", "?x=1&y", "a\\b",
                "日本語", "emoji-\uD83D\uDE00", "semi;colon", "plus+sign", "~tilde")) {
            api.fake.with(FakeDomainService.domain(name, DomainState.RUNNING));

            assertThat(client.get(name).name()).as(name).isEqualTo(name);
            assertThat(client.destroy(name).name()).as(name).isEqualTo(name);
            assertThat(api.fake.calls()).as(name).contains("destroy " + name);
        }
    }

    @Test
    void hostInfoReturnsTheHostAsTheServiceSeesIt() {
        HostInfo host = client.hostInfo();

        assertThat(host).isEqualTo(api.fake.hostInfo());
    }

    @Test
    void eventsReturnTheNewestOnesOldestFirstWithTheirTime() {
        client.pause("web1");
        client.unpause("web1");
        client.destroy("web1");

        List<DomainEvent> events = client.events(2);

        assertThat(events).extracting(DomainEvent::kind).containsExactly("unpaused", "destroyed");
        assertThat(events).isEqualTo(api.fake.events(2));
        assertThat(api.fake.calls()).contains("events 2");
    }

    @Test
    void saveRestoreSnapshotsAndAutostartTravelAsTheDocumentSays() {
        client.save("web1", "/var/lib/vmhost/save/web1.save", true);
        assertThat(api.fake.calls()).contains("save web1 /var/lib/vmhost/save/web1.save checkpoint=true");
        assertThatThrownBy(() -> client.restore("/tmp/nothing", false)).isInstanceOf(VmhostException.class)
                .hasMessageContaining("not a vmhost save file");

        org.vmhost.domain.SnapshotInfo full = client.createSnapshot("web1", "before", false);
        assertThat(full.diskOnly()).isFalse();
        assertThat(client.createSnapshot("web1", "disks", true).diskOnly()).isTrue();
        assertThat(client.listSnapshots("web1")).extracting(org.vmhost.domain.SnapshotInfo::name).containsExactly("before", "disks");
        assertThatThrownBy(() -> client.createSnapshot("web1", "before", false)).hasMessageContaining("already");
        assertThat(client.applySnapshot("web1", "before").name()).isEqualTo("web1");
        client.deleteSnapshot("web1", "disks");
        assertThat(client.listSnapshots("web1")).extracting(org.vmhost.domain.SnapshotInfo::name).containsExactly("before");
        assertThatThrownBy(() -> client.deleteSnapshot("web1", "disks")).hasMessageContaining("no snapshot named 'disks'");

        client.autostart();
        assertThat(api.fake.calls()).contains("autostart");
    }
}
