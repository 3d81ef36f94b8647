/**
 * The slow, obvious float64 implementation of the kernel API: the oracle every other backend is
 * tested against.
 *
 * <p>It works one fast-weight instance at a time on plain {@code double} matrices, with one small
 * method per formula of lact-spec sections 1.4 to 1.8, so that each line can be checked against the
 * spec by eye. Speed is not a goal here. Registered as backend {@code reference} (lowest priority).
 */
package org.lactspark.kernel.reference;
