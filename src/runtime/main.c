/* glass-runtime: placeholder until the runtime verbs land. */
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "glass-runtime: no verbs yet\n");
	return 1;
}
