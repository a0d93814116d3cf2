package org.vmhost.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmhost.config.DiskAccess.READ_ONLY;
import static org.vmhost.config.DiskAccess.READ_WRITE;
import static org.vmhost.config.DiskAccess.SHARED_WRITE;

import org.junit.jupiter.api.Test;

/** Xen's sharing rule, every pair of modes. */
class DiskClaimsTest {
    @Test
    void aPlainWritableDiskSharesWithNothingWhileReadOnlyAndWBangShare() {
        assertThat(DiskClaims.conflict(READ_WRITE, READ_WRITE)).isTrue();
        assertThat(DiskClaims.conflict(READ_WRITE, READ_ONLY)).isTrue();
        assertThat(DiskClaims.conflict(READ_ONLY, READ_WRITE)).isTrue();
        assertThat(DiskClaims.conflict(READ_WRITE, SHARED_WRITE)).isTrue();
        assertThat(DiskClaims.conflict(SHARED_WRITE, READ_WRITE)).isTrue();
        assertThat(DiskClaims.conflict(SHARED_WRITE, SHARED_WRITE)).isFalse();
        assertThat(DiskClaims.conflict(READ_ONLY, READ_ONLY)).isFalse();
        assertThat(DiskClaims.conflict(READ_ONLY, SHARED_WRITE)).isFalse();
        assertThat(DiskClaims.conflict(SHARED_WRITE, READ_ONLY)).isFalse();
    }
}
