using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Runs;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>The best completed run of one model family within one compute-budget bucket (warm-started runs apart).</summary>
/// <param name="ComputeBudgetFlops">Training FLOPs behind the result: the run's own plus those inherited from ancestors.</param>
/// <param name="WarmStarted">True when the run started from another run's checkpoint; ranked apart from runs trained from scratch.</param>
/// <param name="TotalTokens">Training tokens behind the result, inherited ones included.</param>
/// <param name="InheritedFlops">The part of <paramref name="ComputeBudgetFlops"/> the ancestors spent.</param>
public sealed record LeaderboardEntry(
    string ModelFamily,
    int BudgetBucket,
    double BudgetBucketLowFlops,
    Guid RunId,
    string? RunName,
    string Owner,
    double ComputeBudgetFlops,
    double BestEvalLoss,
    bool WarmStarted = false,
    long TotalTokens = 0,
    double InheritedFlops = 0);

/// <summary>A board: only runs evaluated on the same eval set with the same tokenizer are comparable.</summary>
public sealed record Leaderboard(string EvalSetId, string TokenizerId, IReadOnlyList<LeaderboardEntry> Entries);

/// <summary>
/// Best eval loss per (model family, compute-budget bucket, warm-started or not), one board per (eval set, tokenizer).
/// The budget is a run's training FLOPs including those its ancestors spent to reach the checkpoint it started from, so a
/// fork of a long run never competes with short runs trained from scratch. Buckets are logarithmic: bucket b holds
/// budgets in [10^(b/k), 10^((b+1)/k)) for k buckets per decade.
/// </summary>
/// <remarks>
/// The database does the grouping (a board holds tens of thousands of completed runs; only the winners travel): it
/// buckets each run, takes the lowest loss per group and returns the runs that reach it. Ties on loss are broken here,
/// by run id in .NET's order, because the providers order ids differently.
/// </remarks>
public sealed class LeaderboardQuery(IDbContextFactory<MotDbContext> contexts)
{
    /// <summary>Name of the SQLite user function that buckets a budget (registered on every connection EF opens).</summary>
    public const string SqliteBucketFunction = "mot_budget_bucket";

    /// <summary>All boards, or only the one for the given eval set and tokenizer when both are given.</summary>
    public async Task<IReadOnlyList<Leaderboard>> GetAsync(string? evalSetId = null, string? tokenizerId = null,
        int bucketsPerDecade = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketsPerDecade, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken); // through EF, so SQLite gets its bucket function
        var postgres = db.Database.IsNpgsql();
        // No JIT on PostgreSQL (the planner cannot estimate how few groups there are and would compile the query, which
        // alone cost more than the query): every store session starts with it off (PostgresSessionDefaults).
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = Sql(postgres, evalSetId is not null, tokenizerId is not null);
        AddParameter(command, "k", bucketsPerDecade);
        if (evalSetId is not null) AddParameter(command, "eval_set", evalSetId);
        if (tokenizerId is not null) AddParameter(command, "tokenizer", tokenizerId);

        var winners = new List<Candidate>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                winners.Add(new Candidate(
                    reader.GetFieldValue<Guid>(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), Convert.ToInt32(reader.GetValue(6)),
                    reader.GetDouble(7), reader.GetDouble(8), Convert.ToInt64(reader.GetValue(9)),
                    Convert.ToInt32(reader.GetValue(10)) != 0, reader.GetDouble(11)));
        }

        return winners
            .GroupBy(r => (r.EvalSetId, r.TokenizerId))
            .OrderBy(g => g.Key.EvalSetId, StringComparer.Ordinal).ThenBy(g => g.Key.TokenizerId, StringComparer.Ordinal)
            .Select(board => new Leaderboard(board.Key.EvalSetId, board.Key.TokenizerId, board
                .GroupBy(r => (r.ModelFamily, r.Bucket, r.Warm))
                .Select(g =>
                {
                    var best = g.OrderBy(r => r.Loss).ThenBy(r => r.Id).First();
                    return new LeaderboardEntry(g.Key.ModelFamily, g.Key.Bucket,
                        Math.Pow(10, (double)g.Key.Bucket / bucketsPerDecade), best.Id, best.Name, best.Owner,
                        best.Flops, best.Loss, best.Warm, best.Tokens, best.InheritedFlops);
                })
                .OrderBy(e => e.WarmStarted).ThenBy(e => e.BudgetBucket).ThenBy(e => e.BestEvalLoss)
                .ThenBy(e => e.ModelFamily, StringComparer.Ordinal) // equal losses: a stable order, not the database's
                .ToList()))
            .ToList();
    }

    /// <summary>The bucket index of a budget: floor(log10(flops) * bucketsPerDecade).</summary>
    public static int Bucket(double flops, int bucketsPerDecade = 1) =>
        (int)Math.Floor(Math.Log10(flops) * bucketsPerDecade + 1e-9);

    private sealed record Candidate(Guid Id, string? Name, string Owner, string ModelFamily, string EvalSetId, string TokenizerId,
        int Bucket, double Flops, double InheritedFlops, long Tokens, bool Warm, double Loss);

    /// <summary>
    /// Completed runs of the board(s) that reach the lowest loss of their (board, family, bucket, start kind) group. The
    /// bucket is <see cref="Bucket"/> in SQL (PostgreSQL's log is base 10; SQLite calls the .NET function itself). First
    /// the groups' best losses, from the narrow columns the leaderboard index covers (no table rows read on PostgreSQL),
    /// then per group the runs at that loss, found through the same index. PostgreSQL gets the group step as a
    /// materialized CTE probed by a LATERAL subquery (otherwise it recomputes the groups per parallel worker and joins by
    /// scanning the table); SQLite, without LATERAL, plans the plain join as that loop by itself. Grouping by position
    /// keeps SQLite from calling the bucket function twice per run.
    /// </summary>
    private static string Sql(bool postgres, bool byEvalSet, bool byTokenizer)
    {
        var runs = postgres ? $"{MotDbContext.PostgresSchema}.runs" : "runs";
        var p = postgres ? "@" : "$";
        string Bucket(string r) => postgres
            ? $"floor(log({r}.compute_budget_flops + {r}.inherited_flops) * {p}k + 1e-9)::integer"
            : $"{SqliteBucketFunction}({r}.compute_budget_flops + {r}.inherited_flops, {p}k)";
        string Warm(string r) => $"CASE WHEN {r}.warm_start_step IS NULL THEN 0 ELSE 1 END";
        string Ranked(string r) =>
            $"{r}.status = 'Completed' AND {r}.best_eval_loss IS NOT NULL AND {r}.compute_budget_flops + {r}.inherited_flops > 0";
        var board = (byEvalSet ? $" AND c.eval_set_id = {p}eval_set" : "") + (byTokenizer ? $" AND c.tokenizer_id = {p}tokenizer" : "");
        var best = $"""
            best AS {(postgres ? "MATERIALIZED " : "")}(
                SELECT c.eval_set_id, c.tokenizer_id, c.model_family, {Bucket("c")} AS bucket, {Warm("c")} AS warm, MIN(c.best_eval_loss) AS loss
                FROM {runs} c
                WHERE {Ranked("c")}{board}
                GROUP BY 1, 2, 3, 4, 5
            )
            """;
        var atBest = $"""
            r.eval_set_id = b.eval_set_id AND r.tokenizer_id = b.tokenizer_id AND r.model_family = b.model_family
                AND r.best_eval_loss = b.loss AND {Ranked("r")} AND {Bucket("r")} = b.bucket AND {Warm("r")} = b.warm
            """;
        const string Winner = "r.id, r.name, r.owner_id, r.compute_budget_flops + r.inherited_flops AS flops, r.inherited_flops, " +
            "r.training_tokens + r.inherited_tokens AS tokens";
        const string Group = "b.model_family, b.eval_set_id, b.tokenizer_id, b.bucket";
        return postgres
            ? $"""
              WITH {best}
              SELECT w.id, w.name, w.owner_id, {Group}, w.flops, w.inherited_flops, w.tokens, b.warm, b.loss
              FROM best b CROSS JOIN LATERAL (SELECT {Winner} FROM {runs} r WHERE {atBest} OFFSET 0) w
              """
            : $"""
              WITH {best}
              SELECT r.id, r.name, r.owner_id, {Group}, r.compute_budget_flops + r.inherited_flops, r.inherited_flops,
                     r.training_tokens + r.inherited_tokens, b.warm, b.loss
              FROM best b JOIN {runs} r ON {atBest}
              """;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
