/// Squared Euclidean distance between two padded rows, specialised by row width.
///
/// The inner loop is straight-line SIMD code; the kernel is picked once per pass, never per pair.
protocol DistanceKernel: SendableMetatype {
    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, stride: Int) -> Double
}

@inline(__always)
func loadVector4(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
func loadVector8(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Double>.self)
}

/// Rows of stride 4 (one to four features).
enum DistanceKernel4: DistanceKernel {
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, stride: Int) -> Double {
        let difference = loadVector4(a) - loadVector4(b)
        return (difference * difference).sum()
    }
}

/// Rows of stride 8 (five to eight features).
enum DistanceKernel8: DistanceKernel {
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, stride: Int) -> Double {
        let difference = loadVector8(a) - loadVector8(b)
        return (difference * difference).sum()
    }
}

/// Rows of any stride (a multiple of 4).
enum DistanceKernelAny: DistanceKernel {
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, stride: Int) -> Double {
        var first = SIMD4<Double>.zero
        var second = SIMD4<Double>.zero
        var offset = 0
        while offset + 8 <= stride {
            let d0 = loadVector4(a + offset) - loadVector4(b + offset)
            let d1 = loadVector4(a + offset + 4) - loadVector4(b + offset + 4)
            first += d0 * d0
            second += d1 * d1
            offset += 8
        }
        if offset < stride {
            let d0 = loadVector4(a + offset) - loadVector4(b + offset)
            first += d0 * d0
        }
        return (first + second).sum()
    }
}

/// Adds `weight · row` into `sum` over `stride` values.
@inline(__always)
func accumulateRow(_ row: UnsafePointer<Double>, weight: Double, into sum: UnsafeMutablePointer<Double>, stride: Int) {
    let scale = SIMD4<Double>(repeating: weight)
    var offset = 0
    while offset < stride {
        let total = loadVector4(UnsafePointer(sum + offset)) + loadVector4(row + offset) * scale
        UnsafeMutableRawPointer(sum + offset).storeBytes(of: total, as: SIMD4<Double>.self)
        offset += 4
    }
}

/// Squared Euclidean distance between rows of any stride (not for hot loops).
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, stride: Int) -> Double {
    DistanceKernelAny.squaredDistance(a, b, stride: stride)
}
