/**
 * Every failure a user can see: {@link org.vmhost.error.ErrorCode} (one table: HTTP status, xm exit status,
 * meaning) and {@link org.vmhost.error.VmhostException}. A leaf: it imports nothing of vmhost, so every
 * layer may throw and catch these without a package cycle (ArchitectureTest checks it).
 */
package org.vmhost.error;
