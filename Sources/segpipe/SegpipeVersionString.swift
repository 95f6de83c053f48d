import Segmentation

/// The version shown by `segpipe --version`.
enum SegpipeVersionString {
    static let value = SegpipeVersion.current
}
