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
        }
    }
}
