/**
 * Not an API: the input rules behind the API's values and the SPI, kept apart so that
 * {@code dev.naming} needs nothing from {@code dev.naming.spi}. The module exports it to no one;
 * code outside naming-api uses {@link dev.naming.spi.InputChecks}.
 */
package dev.naming.internal;
