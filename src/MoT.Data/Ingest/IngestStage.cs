namespace MoT.Data.Ingest;

/// <summary>Points in a batch write where tests make the writer crash (<see cref="IFaultInjectable"/>).</summary>
internal enum IngestStage
{
    /// <summary>The batch's rows are in the store's transaction (COPYed; on PostgreSQL re-sends staged, not yet merged), nothing committed.</summary>
    Copied,
    /// <summary>The transaction committed; the caller has not heard so yet (a lost acknowledgement).</summary>
    Committed,
}

/// <summary>A batch writer tests can make fail at an <see cref="IngestStage"/>, as a crash or a cut connection would.</summary>
internal interface IFaultInjectable
{
    /// <summary>Called at each stage; whatever it throws aborts the write there.</summary>
    Func<IngestStage, Task>? FaultInjection { get; set; }
}

internal static class FaultInjection
{
    /// <summary>Runs the test's fault for <paramref name="stage"/>, if one is set.</summary>
    public static Task FaultAsync(this IFaultInjectable writer, IngestStage stage) =>
        writer.FaultInjection is { } fault ? fault(stage) : Task.CompletedTask;
}
