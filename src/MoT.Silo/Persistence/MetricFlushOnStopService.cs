using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Data.Ingest;

namespace MoT.Silo.Persistence;

/// <summary>
/// The host's last word on metrics: when the host stops (after the silo, which drained its training attempts), writes
/// every buffered point, retrying while the store is briefly unreachable until the host's shutdown timeout, then
/// disposes the ingestor. What still cannot be written is reported as one error line with its count, never as a crash:
/// a graceful stop exits 0.
/// </summary>
public sealed class MetricFlushOnStopService(MetricIngestor ingestor, ILogger<MetricFlushOnStopService> logger) : IHostedService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        while (ingestor.BufferedPoints > 0 && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ingestor.FlushAsync(cancellationToken);
            }
            catch (MetricStoreUnavailableException unavailable)
            {
                logger.LogWarning("Metric store unreachable at shutdown ({Message}); {Count} points wait, retrying",
                    unavailable.InnerException?.Message, ingestor.BufferedPoints);
                await Task.Delay(RetryDelay, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (MetricBatchRejectedException rejected)
            {
                logger.LogWarning("{Count} metric points at shutdown belong to runs the store does not know; not written", rejected.Points);
                ingestor.TakeRejected();
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        ingestor.TakeRejected(); // already reported by whoever met them
        try
        {
            await ingestor.DisposeAsync();
        }
        catch (MetricsNotWrittenException notWritten)
        {
            logger.LogError("Shutdown: {Count} metric points could not be written ({Message})",
                notWritten.Points.Count, notWritten.InnerException?.InnerException?.Message ?? notWritten.Message);
        }
    }
}

public static class MetricFlushOnStopRegistration
{
    /// <summary>Registers the final metric flush; call before UseOrleans so that it stops after the silo.</summary>
    public static IServiceCollection AddMetricFlushOnStop(this IServiceCollection services) =>
        services.AddHostedService<MetricFlushOnStopService>();
}
