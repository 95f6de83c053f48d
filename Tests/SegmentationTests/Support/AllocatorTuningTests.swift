import Segmentation
import Testing

@Suite struct AllocatorTuningTests {
    /// The environment's own allocator settings win: either threshold as a `MALLOC_*` variable or as a glibc
    /// tunable leaves the allocator alone; other tunables and variables do not.
    @Test func environmentThatConfiguresEitherThresholdIsLeftAlone() {
        #expect(!AllocatorTuning.isConfigured(by: [:]))
        #expect(!AllocatorTuning.isConfigured(by: ["MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin"]))
        #expect(!AllocatorTuning.isConfigured(by: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]))
        #expect(AllocatorTuning.isConfigured(by: ["MALLOC_MMAP_THRESHOLD_": "131072"]))
        #expect(AllocatorTuning.isConfigured(by: ["MALLOC_TRIM_THRESHOLD_": "0"]))
        #expect(
            AllocatorTuning.isConfigured(by: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1"]))
        #expect(AllocatorTuning.isConfigured(by: ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"]))
        #expect(AllocatorTuning.apply(environment: ["MALLOC_TRIM_THRESHOLD_": "0"]) == 0)
    }

    /// glibc accepts both settings (32 MiB is its largest mmap threshold on 64-bit systems).
    @Test func glibcAcceptsBothSettings() {
        #if canImport(Glibc)
            #expect(AllocatorTuning.apply(environment: [:]) == 2)
        #endif
    }
}
