/* glass: placeholder until the engine verbs land. */
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "glass: no verbs yet\n");
	return 1;
}
