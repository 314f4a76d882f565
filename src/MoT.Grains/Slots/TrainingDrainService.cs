using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MoT.Grains.Slots;

/// <summary>
/// A graceful stop of a gpu silo (SIGTERM) preempts its attempts while the silo is still fully up: registered inside
/// the silo's configuration, it stops before the silo does, so checkpoints and outcomes still reach the control side.
/// </summary>
internal sealed class TrainingDrainService(TrainingWorkerHost workers, IOptions<GpuSlotOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An ungraceful stop (token already cancelled: a kill) drains nothing; the control side's leases and
    /// reconciliation recover its runs.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.CompletedTask : workers.DrainAsync(options.Value.DrainTimeout);
}
