import EntryLog

/// `ChainProblem` in the staff's language.
public enum ChainText {
    public static func describe(_ problem: ChainProblem, _ language: Language) -> String {
        guard language == .chinese else { return problem.description }
        switch problem {
        case .changed(let seq): return "第 \(seq) 条记录被修改"
        case .removed(nil, let before): return "第 \(before) 条之前的记录被删除（无清理检查点）"
        case .removed(let after?, let before): return "第 \(after) 条与第 \(before) 条之间的记录被删除"
        case .inserted(let seq): return "第 \(seq) 条记录是插入的"
        case .purgeUnprovable(let seq, let flaw): return "第 \(seq) 条清理记录不能证明是按保留期清理的：\(describe(flaw))"
        case .reasonIndex(let seq): return "原因索引（entry_reason）与第 \(seq) 条记录不符：按原因查询和导出的结果不可信"
        }
    }

    static func describe(_ flaw: PurgeFlaw) -> String {
        switch flaw {
        case .noClaim: return "未写明保留期和截止时间"
        case .retentionBelowMinimum(let retention, let minimum): return "声称的保留期 \(retention) 秒低于最低 \(minimum) 秒"
        case .inconsistent: return "时间、保留期、截止时间与条数互相矛盾"
        case .keptRowOlderThanCutoff(let seq): return "保留下来的第 \(seq) 条早于截止时间"
        case .inTheFuture: return "日期在未来"
        }
    }

    public static func describe(_ problem: AnchorProblem, _ language: Language) -> String {
        guard language == .chinese else { return problem.description }
        switch problem {
        case .empty: return "锚点文件中没有锚点"
        case .unreadable(let line): return "锚点第 \(line) 行无法识别"
        case .badSignature(let line): return "锚点第 \(line) 行签名无效：该行被修改过"
        case .otherKey(let line): return "锚点第 \(line) 行由其他密钥签名"
        case .otherGate(let line, let gate): return "锚点第 \(line) 行属于闸机 \(gate)，不是本日志的闸机"
        case .truncated(let line, let seq, let head):
            return "日志止于第 \(head.map(String.init) ?? "0") 条，而锚点第 \(line) 行记载了第 \(seq) 条：最新的记录被删除"
        case .rowDiffers(let line, let seq): return "第 \(seq) 条与锚点第 \(line) 行不符：该条或更早的记录被改写"
        case .rowMissing(let line, let seq): return "锚点第 \(line) 行记载的第 \(seq) 条不见了，且没有清理记录覆盖它"
        case .purgedTooRecent(let line, let seq):
            return "锚点第 \(line) 行记载的第 \(seq) 条被清理，但它晚于清理的截止时间：清理记录是伪造的"
        }
    }
}
