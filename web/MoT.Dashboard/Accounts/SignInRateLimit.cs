using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace MoT.Dashboard.Accounts;

/// <summary>Sign-in attempts one client address may make per window (section <c>Dashboard:SignIn</c>), before the lockout counts anything.</summary>
public sealed class SignInRateLimitOptions
{
    public int AttemptsPerWindow { get; set; } = 10;

    public TimeSpan AttemptWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// ASP.NET Core's rate limiter on the sign-in endpoints, per client address: a fast guesser is stopped with 429 and
/// Retry-After before a password is even checked. <see cref="SignInThrottle"/> still locks names and addresses that
/// keep failing slowly.
/// </summary>
public static class SignInRateLimit
{
    public const string Policy = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(SignInThrottleOptions.Section).Get<SignInRateLimitOptions>() ?? new SignInRateLimitOptions();
        if (options.AttemptsPerWindow < 1) throw new InvalidOperationException($"{SignInThrottleOptions.Section}:AttemptsPerWindow must be at least 1 (got {options.AttemptsPerWindow}).");
        if (options.AttemptWindow <= TimeSpan.Zero) throw new InvalidOperationException($"{SignInThrottleOptions.Section}:AttemptWindow must be positive (got {options.AttemptWindow}).");
        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.AttemptsPerWindow, Window = options.AttemptWindow, QueueLimit = 0 }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? (int)Math.Ceiling(retryAfter.TotalSeconds)
                    : (int)Math.Ceiling(options.AttemptWindow.TotalSeconds);
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync($"Too many sign-in attempts from this address: try again in {seconds} s.\n", cancellationToken);
            };
        });
    }
}
