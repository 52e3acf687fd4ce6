/// The release version: the one place it is written. `--version`, the `healthgate_info` metric and
/// the Debian package (packaging/build-deb.sh reads this line) all take it from here.
public let healthgateVersion = "0.1.0"
