/**
 * The Go toolchain that builds franz-go's kgo tests (`npm run compat`) and test/compat/franz-go's
 * client; modules come from the Go module proxy. Debian 12's golang is too old for franz-go, so this
 * is the machine's Go (GREGOR_GO, default /usr/local/go/bin/go): install-peers checks it, it does not
 * install it.
 */
export const GO = process.env['GREGOR_GO'] ?? '/usr/local/go/bin/go';
