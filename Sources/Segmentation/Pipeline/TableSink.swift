import Columnar
import Foundation
import Synchronization

/// Where a stage puts an output table it produces a slice at a time (as clean and dedupe do with orders and email
/// events): streamed into `<name>.arrow` of its checkpoint as record batches, so only the slice being worked on is
/// in memory, or collected and joined into one table when the stage runs without a checkpoint (as in tests).
///
/// One sink per table and thread. Either ``finish()`` or ``abandon()`` must end it.
final class TableSink {
    let name: String
    private let columns: [(name: String, type: ColumnType)]
    private var writer: ArrowStreamWriter?
    private var collected: [[Column]] = []
    /// Rows appended so far.
    private(set) var rowCount = 0

    /// A sink for `name` with `columns`, streamed into the checkpoint through `output` (in memory without one).
    init(_ name: String, columns: [(name: String, type: ColumnType)], output: CheckpointOutput?) throws(PipelineError)
    {
        self.name = name
        self.columns = columns
        if let output { writer = try output.open(name, columns: columns) }
    }

    /// Appends the rows of `table`, whose columns must be the sink's, in order.
    func append(_ table: Table) throws(PipelineError) {
        guard table.columns.map(\.name) == columns.map(\.name) else {
            throw PipelineError(
                .internal,
                "table \(name): a slice has columns \(table.columnNames) where \(columns.map(\.name)) were expected")
        }
        rowCount += table.rowCount
        guard let writer else {
            collected.append(table.columns)
            return
        }
        do {
            try writer.append(table)
        } catch {
            throw PipelineError(.io, "cannot write checkpoint \(writer.path)", underlying: error)
        }
    }

    /// What a finished sink holds: the manifest entry of the committed file, or the joined table.
    enum Finished: Sendable {
        case file(StageManifest.File)
        case table(Table)

        /// Rows in the table.
        var rowCount: Int {
            switch self {
            case .file(let file): Int(file.rows)
            case .table(let table): table.rowCount
            }
        }
    }

    /// Commits the file, or joins the collected slices (an empty table when nothing was appended).
    func finish() throws(PipelineError) -> Finished {
        if let writer {
            self.writer = nil
            do {
                return .file(CheckpointOutput.manifestEntry(try writer.finish(), name: name))
            } catch {
                throw PipelineError(.io, "cannot write checkpoint \(writer.path)", underlying: error)
            }
        }
        let joined: [Column]
        if collected.isEmpty {
            joined = columns.map { ColumnBuilder(name: $0.name, type: $0.type).build() }
        } else {
            joined = ExtractStage.concatenating(&collected)
        }
        do {
            return .table(try Table(columns: joined))
        } catch {
            throw PipelineError(.internal, "table \(name): the collected slices do not join", underlying: error)
        }
    }

    /// Puts every slice of `input` (at least `rows` rows each, see ``InputBatches/forEachSlice(rows:_:)``), as
    /// `transform` returns it, into the table `name`, and finishes it; on a failure the partly written file is
    /// removed.
    ///
    /// Into a checkpoint, the slices are written on a thread of their own while this one reads and transforms the
    /// next (at most one slice waits, so memory grows by one slice): encoding a slice and the kernel's copy of it
    /// into the page cache are about half of a streamed table's work, and when one of a stage's two streams
    /// finishes first (clean's orders before its email events), the other would otherwise go on with one core.
    static func stream(
        _ input: InputBatches, rows: Int, into name: String, output: CheckpointOutput?,
        _ transform: (Table) throws(PipelineError) -> Table
    ) throws(PipelineError) -> Finished {
        let sink = try TableSink(name, columns: input.columns, output: output)
        do throws(PipelineError) {
            if sink.writer == nil {
                try input.forEachSlice(rows: rows) { slice throws(PipelineError) in
                    try sink.append(try transform(slice))
                }
            } else {
                let background = BackgroundAppender(sink)
                do throws(PipelineError) {
                    try input.forEachSlice(rows: rows) { slice throws(PipelineError) in
                        try background.append(try transform(slice))
                    }
                    try background.finish()
                } catch {
                    background.stop()
                    throw error
                }
            }
            return try sink.finish()
        } catch {
            sink.abandon()
            throw error
        }
    }

    /// Appends slices to a sink on a thread of its own, one slice waiting at most.
    ///
    /// The sink is used by that thread alone until ``finish()`` or ``stop()`` has waited for it to end, hence
    /// `@unchecked Sendable`.
    private final class BackgroundAppender: @unchecked Sendable {
        private let sink: TableSink
        /// The slices handed over and not yet written (one at most), and the first write error.
        private let state = Mutex<(pending: [Table], error: PipelineError?, closed: Bool)>(([], nil, false))
        /// Counts slices waiting to be written, and the close.
        private let ready = DispatchSemaphore(value: 0)
        /// Counts free places for a waiting slice.
        private let space = DispatchSemaphore(value: 1)
        private let done = DispatchSemaphore(value: 0)

        init(_ sink: TableSink) {
            self.sink = sink
            let thread = Thread { [self] in run() }
            thread.stackSize = 1 << 20
            thread.start()
        }

        /// Hands `table` over, waiting while the slice before it is still waiting; throws the thread's write error.
        func append(_ table: Table) throws(PipelineError) {
            if let error = state.withLock({ $0.error }) { throw error }
            space.wait()
            state.withLock { $0.pending.append(table) }
            ready.signal()
        }

        /// Waits until every slice is written; throws the first write error.
        func finish() throws(PipelineError) {
            close()
            if let error = state.withLock({ $0.error }) { throw error }
        }

        /// Ends the thread after the slices already handed over (used on a failure; errors are dropped).
        func stop() {
            close()
        }

        private func close() {
            let first = state.withLock { state -> Bool in
                defer { state.closed = true }
                return !state.closed
            }
            guard first else { return }
            ready.signal()
            done.wait()
        }

        private func run() {
            while true {
                ready.wait()
                let next = state.withLock { state -> Table? in
                    state.pending.isEmpty ? nil : state.pending.removeFirst()
                }
                guard let table = next else { break }  // closed, nothing left
                if state.withLock({ $0.error }) == nil {
                    do throws(PipelineError) {
                        try sink.append(table)
                    } catch {
                        state.withLock { $0.error = error }
                    }
                }
                space.signal()
            }
            done.signal()
        }
    }

    /// Removes the partly written file, if any.
    func abandon() {
        writer?.abandon()
        writer = nil
        collected = []
    }

    deinit {
        writer?.abandon()
    }
}

extension StageOutput {
    /// Adds a finished sink's table: its manifest entry when it went into the checkpoint, else the table itself.
    mutating func add(_ finished: TableSink.Finished, named name: String) {
        switch finished {
        case .file(let file): files.append(file)
        case .table(let table): tables.append((name, table))
        }
    }
}
