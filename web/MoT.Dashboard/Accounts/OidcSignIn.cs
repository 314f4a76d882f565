using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace MoT.Dashboard.Accounts;

/// <summary>Settings of single sign-on (configuration section <c>Authentication:Oidc</c>); off unless Authority and ClientId are set.</summary>
public sealed class OidcSettings
{
    public const string Section = "Authentication:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>Label of the sign-in button.</summary>
    public string DisplayName { get; set; } = "Single sign-on";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>
/// OpenID Connect sign-in beside the cookie accounts: the identity provider authenticates, the users table decides the
/// role (a first sign-in creates a viewer row; an admin promotes it on the Users page), and the cookie scheme keeps
/// the session exactly as for a password sign-in.
/// </summary>
public static class OidcSignIn
{
    public const string Scheme = "oidc";
    public const string ChallengePath = "/account/login-oidc";

    /// <summary>Registers the <see cref="Scheme"/> handler when <see cref="OidcSettings.Section"/> is configured; otherwise nothing.</summary>
    public static AuthenticationBuilder AddOidcIfConfigured(this AuthenticationBuilder authentication, IConfiguration configuration)
    {
        var settings = configuration.GetSection(OidcSettings.Section).Get<OidcSettings>() ?? new OidcSettings();
        authentication.Services.AddSingleton(settings);
        if (!settings.IsConfigured) return authentication;
        return authentication.AddOpenIdConnect(Scheme, settings.DisplayName, oidc =>
        {
            oidc.Authority = settings.Authority;
            oidc.ClientId = settings.ClientId;
            oidc.ClientSecret = settings.ClientSecret;
            oidc.ResponseType = "code";
            oidc.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            oidc.GetClaimsFromUserInfoEndpoint = true;
            oidc.Scope.Add("profile");
            oidc.Scope.Add("email");
            oidc.Events.OnTokenValidated = ToAccountAsync;
        });
    }

    /// <summary>The name a provider's user gets in the users table: preferred_username, else email, else subject.</summary>
    public static string? UserNameOf(ClaimsPrincipal principal) =>
        new[] { "preferred_username", ClaimTypes.Email, "email", ClaimTypes.NameIdentifier, "sub" }
            .Select(type => principal.FindFirst(type)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    /// <summary>Replaces the provider's claims by the dashboard's own: name and the role stored in the users table.</summary>
    private static async Task ToAccountAsync(TokenValidatedContext context)
    {
        var principal = context.Principal ?? throw new InvalidOperationException("The identity provider returned no user.");
        var name = UserNameOf(principal);
        if (name is null)
        {
            context.Fail("The identity provider sent no user name, email or subject.");
            return;
        }

        var accounts = context.HttpContext.RequestServices.GetRequiredService<AccountService>();
        var account = await accounts.EnsureExternalAsync(name, principal.FindFirst("name")?.Value, context.HttpContext.RequestAborted);
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, account.UserName), new Claim(ClaimTypes.Role, account.Role)],
            CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>GET <see cref="ChallengePath"/>: sends the browser to the identity provider, back to a local return URL.</summary>
    public static IEndpointRouteBuilder MapOidcSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ChallengePath, (OidcSettings settings, string? returnUrl) => settings.IsConfigured
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = AccountEndpoints.SafeReturnUrl(returnUrl) }, [Scheme])
            : Results.NotFound());
        return endpoints;
    }
}
