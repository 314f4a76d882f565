using MoT.Contracts.Runs;

namespace MoT.Dashboard.Runs;

/// <summary>A run derived from another: how (resume, fork, transition) and from which step of its parent.</summary>
public sealed record ChildRun(Guid RunId, RunRelation? Relation, long? FromStep, RunStatus? Status);

/// <summary>How runs derive from each other, in the words the dashboard shows.</summary>
public static class RunLineage
{
    /// <summary>"resume", "fork", "transition": the kind of a derived run.</summary>
    public static string Kind(RunRelation? relation) => relation switch
    {
        RunRelation.Resumed => "resume",
        RunRelation.Forked => "fork",
        RunRelation.TransitionTuned => "transition",
        _ => "child",
    };

    /// <summary>The children of <paramref name="run"/>, each read from its own grain (a child that cannot be read is still listed).</summary>
    public static async Task<IReadOnlyList<ChildRun>> ChildrenAsync(IGrainFactory grains, RunSnapshot run)
    {
        var children = await Task.WhenAll(run.Children.Select(async id =>
        {
            try
            {
                var child = await grains.GetGrain<IRunGrain>(id).GetSnapshotAsync();
                return new ChildRun(id, child.Spec.Relation, child.Spec.WarmStart?.FromStep, child.Status);
            }
            catch (Exception)
            {
                return new ChildRun(id, null, null, null);
            }
        }));
        return children;
    }
}
