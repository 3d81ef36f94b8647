/** End-to-end tests of the commands a user runs ({@code *IT}, run by failsafe in {@code verify}). */
package org.lactspark.it;
