using MoT.Dashboard.Platform;
using Orleans.Runtime;

namespace MoT.Dashboard.Tests;

/// <summary>What a page shows for a failed action: one line a user can act on, never the cluster's diagnostics.</summary>
public sealed class UiErrorsTests
{
    // The shape of an Orleans response timeout's message (seen after a 400-trial Launch): one line of several kilobytes.
    private static readonly string OrleansTimeout = "Response did not arrive on time in 00:00:30 for message: Request [S127.0.0.1:45197:1 sys.client/hosted]->"
        + "[S127.0.0.1:45197:1 sweep/0283632039b340549b5cb6ee3a0090fd] MoT.Contracts.Sweeps.ISweepGrain.SubmitAsync(MoT.Contracts.Sweeps.SweepSpec). "
        + string.Concat(Enumerable.Repeat("Last known status is IsExecuting: True, Diagnostics: [[Activation: NonReentrancyQueueSize=88 NumRunning=1]]. ", 40));

    [Fact]
    public void A_response_timeout_reads_as_one_line_that_says_the_action_may_still_complete()
    {
        var message = UiErrors.Describe(new TimeoutException(OrleansTimeout));

        Assert.Equal("The platform did not answer in time. The action may still complete: reload the page in a moment to see.", message);
        Assert.DoesNotContain("Activation", message);
    }

    [Fact]
    public void An_unreachable_cluster_reads_as_one_line_without_type_names()
    {
        var message = UiErrors.Describe(new AggregateException(new SiloUnavailableException("Silo S127.0.0.1:11111 is unavailable\n   at Orleans.Runtime...")));

        Assert.DoesNotContain("\n", message);
        Assert.DoesNotContain("Orleans", message);
        Assert.DoesNotContain("Exception", message);
    }

    [Fact]
    public void Any_other_error_keeps_its_first_line_and_at_most_the_length_limit()
    {
        Assert.Equal("steps: must be at least 1 (was 0)", UiErrors.Describe(new ArgumentException("steps: must be at least 1 (was 0)\n   at MoT.Somewhere()")));

        var longLine = UiErrors.Describe(new InvalidOperationException(OrleansTimeout));

        Assert.Equal(UiErrors.MaxMessageLength, longLine.Length);
        Assert.EndsWith("…", longLine);
    }
}
