/**
 * The shipped model presets ({@code tiny}, {@code small}, {@code 760m}, {@code 3b}) as JSON
 * resources, and their lookup by name.
 */
package org.lactspark.conf.preset;
