/// The release version: the one place it is written. `--version` (healthgated, gatectl, healthgate-dev),
/// the `healthgate_info` metric and the Debian package (packaging/build-deb.sh reads this line) take it from here.
public let healthgateVersion = "0.1.0"
