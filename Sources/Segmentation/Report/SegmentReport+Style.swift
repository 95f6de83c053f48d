extension SegmentReport {
    /// The page's embedded style sheet: system fonts only, readable on screen and in print.
    static let styleSheet = """
        :root { color-scheme: light; --ink: #222; --muted: #666; --line: #ddd; --accent: #4e79a7; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f5f6f8; color: var(--ink);
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial,
          sans-serif; font-size: 15px; line-height: 1.45; }
        main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 0 0 6px; color: #1d3557; }
        h3 { font-size: 16px; margin: 18px 0 6px; }
        header, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px;
          margin: 0 0 18px; }
        .lead, .intro { color: var(--muted); margin: 0 0 12px; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.95em; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 14px; }
        .card { flex: 1 1 0; min-width: max-content; border: 1px solid var(--line);
          border-left: 4px solid var(--accent);
          border-radius: 6px; padding: 8px 12px; background: #fafbfc; }
        .card-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
        .card-value { font-size: 17px; font-weight: 600; overflow-wrap: anywhere; }
        figure { margin: 8px 0 12px; overflow-x: auto; }
        figure svg { max-width: 100%; height: auto; font-family: inherit; }
        .row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
        .row figure, .row > div { flex: 0 1 auto; }
        table { border-collapse: collapse; margin: 6px 0 10px; font-size: 14px; }
        th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eee; vertical-align: top; }
        thead th { border-bottom: 2px solid var(--line); font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
        table.facts th { font-weight: normal; color: var(--muted); padding-right: 18px; }
        .legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 6px 18px;
          font-size: 14px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px;
          vertical-align: -1px; }
        footer { color: var(--muted); font-size: 13px; margin-top: 8px; }
        @media print { body { background: #fff; } header, section { break-inside: avoid; border: none; } }
        """
}
